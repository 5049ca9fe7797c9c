"""The app's server: `streamlit run app.py` in this process, in st.navigation mode from the first
request (see ui/navigation.py). `python -m kam serve` runs this file after starting the read
side's warm-up, so kam itself never imports Streamlit; the options given are Streamlit's."""
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the app's packages, as `streamlit run` gives them to app.py

from ui.navigation import start_in_navigation_mode  # noqa: E402

start_in_navigation_mode()
sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
runpy.run_module("streamlit", run_name="__main__", alter_sys=True)  # as `python -m streamlit` does
