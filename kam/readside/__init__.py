"""The read side: questions over the store's current tables, answered by DuckDB.

    database.py  the front, Database: query, scalar, chosen, stored, refresh, part_tables
    part.py      Part: a part of a question (SQL, parameters, its own parts, the days it reads)
    tables.py    the table copy: each table held in DuckDB, brought up to date file by file
                 (or read from its Parquet files through views when the file is not ours)
    answers.py   the answer cache: results kept by bytes, each question asked once at a time
    parts.py     the parts: parts of questions answered into tables of the schema `parts`
    duckfile.py  the DuckDB database itself: a cursor per thread, the moments between questions
    frames.py    on_frames: DuckDB over pandas frames
    choices.py   what the store holds whatever the filters: the sidebar's choices, the data's range

What holds, whatever the threads and writes (tests/test_readside.py holds it to each):
1. A table's held version only moves forward: once a question has read version N of a
   table, no later question reads an earlier one (a store written again from scratch under
   the same folder starts a new history, read afresh).
2. An answer is never served for versions older than the ones read at the start of the
   question: whatever was written before a question starts is in its answer, and in its parts.
3. A question reads one version of each table, never part of a write.
4. A question asked by several threads at once is answered once; the others wait and get its
   answer, or the error it ended with.
5. The answers kept stay within CACHE_BYTES, the parts within PARTS_BYTES (beyond the one just
   made), and the file's free space, once no question is running, within what it holds or
   FILE_FREE_BYTES, whichever is larger.
6. An answer given to a caller is its own: changing it changes nothing another caller gets.
"""
