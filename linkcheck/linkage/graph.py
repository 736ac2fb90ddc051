"""The link graph: clusters of linked accounts (Kruskal over the strongest links) and taint from
suspended or closed accounts (breadth-first)."""

from __future__ import annotations

from collections import deque
from operator import itemgetter

from ..models import Level, Profile
from .results import AtRisk, Cluster, Link

TAINT_STATUSES = ("suspended", "closed")


class _Components:
    """Union-find over account indices (path halving, union by size)."""

    def __init__(self, size: int):
        self.parent = list(range(size))
        self.size = [1] * size

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return True


def _clusters(names: list[str], edges: list, hub_links: list) -> list[Cluster]:
    """Connected components with a maximum spanning tree as chain (Kruskal, strongest first)."""
    candidates = list(edges)
    for level, score, facet, hub_members in hub_links:
        # A hub joins its members as a star around its first-named member.
        star = sorted(hub_members, key=names.__getitem__)
        centre = star[0]
        candidates.extend((level, score, centre, other, (facet,)) for other in star[1:])
    candidates.sort(key=itemgetter(0, 1), reverse=True)  # stable: ties keep input order
    components = _Components(len(names))
    chain_of: dict[int, list[Link]] = {}
    for level, _score, a, b, kinds in candidates:
        root_a, root_b = components.find(a), components.find(b)
        if root_a == root_b:
            continue
        # Merge the smaller chain into the larger: linear overall, even for one giant star.
        links_a, links_b = chain_of.pop(root_a, []), chain_of.pop(root_b, [])
        if len(links_a) < len(links_b):
            links_a, links_b = links_b, links_a
        links_a.extend(links_b)
        links_a.append(Link(names[a], names[b], kinds, level))
        components.union(a, b)
        chain_of[components.find(a)] = links_a
    clusters = []
    members: dict[int, list[str]] = {}
    for root in chain_of:
        members[root] = []
    for index, name in enumerate(names):
        root = components.find(index)
        if root in members:
            members[root].append(name)
    for root, links in chain_of.items():
        links.sort(key=lambda link: (-link.level, link.a, link.b))
        clusters.append(Cluster(tuple(sorted(members[root])), min(link.level for link in links), tuple(links)))
    clusters.sort(key=lambda c: (-c.level, -len(c.accounts), c.accounts))
    return clusters


def _taint(profiles: list[Profile], names: list[str], edges: list, hub_links: list) -> list[AtRisk]:
    """Breadth-first from every suspended or closed account: each reachable account is at risk,
    with the shortest chain from its nearest source. Hubs are expanded once each, so a value
    shared by thousands of accounts costs thousands of steps, not millions."""
    sources = sorted(
        (i for i, p in enumerate(profiles) if p.account.status in TAINT_STATUSES), key=names.__getitem__
    )
    if not sources:
        return []
    neighbours: dict[int, list[tuple[int, tuple[str, ...], Level]]] = {}
    for level, _score, a, b, kinds in edges:
        neighbours.setdefault(a, []).append((b, kinds, level))
        neighbours.setdefault(b, []).append((a, kinds, level))
    hubs_of: dict[int, list[int]] = {}
    for h, (_level, _score, _facet, members) in enumerate(hub_links):
        for m in members:
            hubs_of.setdefault(m, []).append(h)
    expanded: set[int] = set()
    came_from: dict[int, tuple[int, tuple[str, ...], Level] | None] = {s: None for s in sources}
    origin = {s: s for s in sources}
    queue = deque(sources)
    while queue:
        here = queue.popleft()
        steps = list(neighbours.get(here, ()))
        for h in hubs_of.get(here, ()):
            if h in expanded:
                continue
            expanded.add(h)
            level, _score, facet, members = hub_links[h]
            steps.extend((m, (facet,), level) for m in sorted(members, key=names.__getitem__))
        for there, kinds, level in steps:
            if there in came_from:
                continue
            came_from[there] = (here, kinds, level)
            origin[there] = origin[here]
            queue.append(there)
    at_risk = []
    for index, step in came_from.items():
        if step is None or profiles[index].account.status in TAINT_STATUSES:
            continue
        chain = []
        node = index
        while came_from[node] is not None:
            prev, kinds, level = came_from[node]  # type: ignore[misc]  # the while test: not None
            chain.append(Link(names[prev], names[node], kinds, level))
            node = prev
        chain.reverse()
        at_risk.append(AtRisk(names[index], names[origin[index]], tuple(chain)))
    at_risk.sort(key=lambda r: (len(r.chain), r.account))
    return at_risk


# A chain of links from a suspended account is shown whole up to this many links; a longer one
# (hundreds of hops through one agency's stores, all of them shortest) as its first links, the
# number left out and its last link: the page and the table stay a line or two per account. The
# JSON (`audit --format json`) keeps every link.
CHAIN_SHOWN_MAX = 4
_CHAIN_HEAD = 2


def shown_chain(chain) -> list:
    """The links of `chain` to show: all of them up to CHAIN_SHOWN_MAX, else the first
    _CHAIN_HEAD, the number of links left out (an int) and the last."""
    if len(chain) <= CHAIN_SHOWN_MAX:
        return list(chain)
    return [*chain[:_CHAIN_HEAD], len(chain) - _CHAIN_HEAD - 1, chain[-1]]
