"""The Project Haystack HTTP API: one project per org, a thin adapter beside api/.

    views.py       the one Django view: auth, content negotiation, op dispatch
    auth.py        the Haystack auth handshake (HELLO, SCRAM, BEARER) over scram.py
    credentials.py SCRAM verifiers stored when a password is set
    codecs.py      Zinc / Haystack 4 JSON / Haystack 3 JSON through rusty-haystack
    entities.py    an org's entities as Haystack dicts (tags, refs with dis, curVal)
    ops.py         about, ops, formats, read, nav, hisRead, watches, close
"""
