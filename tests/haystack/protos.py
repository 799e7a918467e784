"""Haystack 4 point protos of an entity, computed from the standard defs (rusty-haystack's
offline copy of ph, phScience, phIoT, phIct 4.0): `children` of every def the entity
implements (and their supertypes), child equipment protos hoisted with their own children,
and the `childrenFlatten` choices (ductSection, pipeSection, fluid, fan, pump ...) the entity's
tags select added to each child, as docHaystack's Protos chapter describes."""

from functools import lru_cache

import rusty_haystack as hs

MAX_DEPTH = 4


@lru_cache(maxsize=1)
def namespace():
    return hs.DefNamespace.load_standard()


@lru_cache(maxsize=1)
def conjuncts():
    return [tuple(d.symbol.split("-")) for d in namespace().defs() if "-" in d.symbol
            and all(namespace().get_def(p) is not None for p in d.symbol.split("-"))]


def def_names(tags):
    """The defs an entity with these marker tags implements (markers and conjuncts)."""
    ns = namespace()
    names = {t for t in tags if ns.get_def(t) is not None}
    names |= {"-".join(parts) for parts in conjuncts() if set(parts) <= tags}
    return names


def _markers(d):
    return frozenset(name for name, value in d.items() if isinstance(value, hs.Marker))


@lru_cache(maxsize=None)
def _children(name):
    ns = namespace()
    out = []
    for sym in [name, *ns.supertypes(name)]:
        d = ns.get_def(sym)
        if d is not None and d.tags.get("children") is not None:
            out.extend(_markers(child) for child in d.tags.get("children"))
    return out


@lru_cache(maxsize=None)
def _flatten_choices(name):
    ns = namespace()
    out = []
    for sym in [name, *ns.supertypes(name)]:
        d = ns.get_def(sym)
        if d is not None and d.tags.get("childrenFlatten") is not None:
            out.extend(str(s).lstrip("^") for s in d.tags.get("childrenFlatten"))
    return out


@lru_cache(maxsize=None)
def _options(choice):
    """The marker sets a childrenFlatten entry stands for: itself and every subtype (a
    choice's options; `fluid` -> water, chilled-water, naturalGas ...)."""
    names = [choice, *_subtypes_deep(choice)]
    return [frozenset(n.split("-")) for n in names if "choice" != n]


def _subtypes_deep(name):
    ns = namespace()
    out, todo = [], list(ns.subtypes(name))
    while todo:
        sub = todo.pop()
        out.append(sub)
        todo.extend(ns.subtypes(sub))
    return out


def flatten_tags(tags):
    chosen = set()
    for name in def_names(tags):
        for choice in _flatten_choices(name):
            for option in _options(choice):
                if option <= tags:
                    chosen |= option
    return chosen


def point_protos(tags, depth=0):
    """Every point marker set the standard protos allow under an entity with `tags`."""
    tags = frozenset(tags)
    names = def_names(tags)
    extra = frozenset(flatten_tags(tags))
    out = set()
    for name in names:
        for child in _children(name):
            if "point" in child:
                if child != {"point"}:  # the bare {point} proto would allow anything
                    out.add(child | extra)
            elif "equip" in child and child != {"equip"} and depth < MAX_DEPTH:
                out |= point_protos(child | extra, depth + 1)
    return out
