"""Who is using the app: a person signed in through the company's identity provider (st.login,
configured by an [auth] section in .streamlit/secrets.toml), or, without that, the one person
on this computer (`python -m kam serve` then listens on 127.0.0.1 only)."""
from __future__ import annotations

import os

import streamlit as st

from kam import access, users
from kam.access import Person, Refused
from kam.store import settings
from kam.store.delta import default_user
from ui.messages import rerun_saying


def sign_in_configured() -> bool:
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def first_administrator() -> str | None:
    """Named by configuration: KAM_ADMIN, or `first_administrator` under [kam] in the secrets."""
    named = os.environ.get("KAM_ADMIN")
    if not named and st.secrets.load_if_toml_exists():
        named = st.secrets.get("kam", {}).get("first_administrator")
    return named or None


def identity() -> str:
    """The signed-in email, or the subject when the provider gives no email."""
    return st.user.get("email") or st.user.get("sub")


def refusal_text(t, refused: Refused) -> str:
    params = dict(refused.params)
    if "role" in params:
        params |= {"role_name": t(f"role.{params['role']}"), "action_name": t(f"action.{params['action']}")}
    return t(refused.key, **params)


def person(db, t) -> Person:
    """The person using the app. Someone not signed in sees only the sign-in page, and someone
    not on the users list only the page saying whom to ask: the run stops there."""
    if not sign_in_configured():
        st.sidebar.caption(t("signin.local"))
        return access.local(default_user())
    if not st.user.is_logged_in:
        st.title(t("signin.title"))
        st.write(t("signin.body"))
        st.button(t("signin.button"), type="primary", on_click=st.login)
        st.stop()
    found = users.person(db, identity(), first_administrator=first_administrator())
    role = t(f"role.{found.role}") if found else "–"
    st.sidebar.caption(t("signin.as", who=identity(), role=role))
    st.sidebar.button(t("signin.logout"), on_click=st.logout, key="signin_logout")
    if found is None:
        st.title(t("signin.stranger.title"))
        st.write(t("signin.stranger.body", who=identity(), admin=first_administrator() or t("signin.no_admin")))
        st.stop()
    return found


def allowed(ctx, action: str) -> bool:
    return access.allows(ctx.person, action)


def managers_see_all_section(ctx) -> None:
    """The setting that widens what account managers see in lists (on the settings page)."""
    t = ctx.t
    st.header(t("page.users"))
    now = bool(settings.load(ctx.db, access.MANAGERS_SEE_ALL, False))
    wanted = st.toggle(t("users.managers_see_all"), value=now, key="set_managers_see_all")
    if wanted != now:
        users.widen_lists(ctx.work, wanted)
        rerun_saying(t("users.managers_see_all"))


def may_record(ctx, customer_id: str, place=st) -> bool:
    """Whether the person may record on this account; if not, says why (in `place`)."""
    try:
        access.check_account(ctx.db, ctx.person, customer_id)
    except Refused as refused:
        place.error(refusal_text(ctx.t, refused))
        return False
    return True
