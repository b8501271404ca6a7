"""Picking an owner among a team's members (分发策略), shared by lead and case routing.

A rule names a strategy: one user, round-robin in a team (the member after the last one the rule
assigned, by id, wrapping around), or the member with the lowest open load (ties by id). A
`TeamPicker` holds the members per team, their open loads and each rule's round-robin position in
memory, so a batch is routed with a fixed number of queries; what each area counts as a member
and as its load is the caller's to load."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

USER = "user"
ROUND_ROBIN = "round_robin"
LEAST_LOAD = "least_load"
STRATEGIES = (USER, ROUND_ROBIN, LEAST_LOAD)


@dataclass
class TeamPicker:
    members: dict[int, list[int]] = field(default_factory=dict)  # team id -> active member ids, sorted
    loads: dict[int, int] = field(default_factory=dict)  # user id -> open records
    positions: dict[int, int | None] = field(default_factory=dict)  # rule id -> last assigned user

    @classmethod
    def build(
        cls,
        memberships: Iterable[tuple[int, int]],
        loads: dict[int, int],
        positions: dict[int, int | None],
    ) -> TeamPicker:
        """From (user id, team id) pairs, the open load per user and the rules' last assignees."""
        members: dict[int, list[int]] = {}
        for user_id, team_id in memberships:
            members.setdefault(team_id, []).append(user_id)
        for ids in members.values():
            ids.sort()
        member_ids = [uid for ids in members.values() for uid in ids]
        return cls(members, {uid: loads.get(uid, 0) for uid in member_ids}, dict(positions))

    def pick(self, *, rule_id: int, strategy: str, user_id: int | None, team_id: int | None) -> int | None:
        """The owner a rule chooses now (None: the rule's team has no member to take it)."""
        if strategy == USER:
            return user_id
        team = self.members.get(team_id or 0, [])
        if not team:
            return None
        if strategy == LEAST_LOAD:
            return min(team, key=lambda uid: (self.loads.get(uid, 0), uid))
        last = self.positions.get(rule_id)
        following = [uid for uid in team if last is None or uid > last]
        chosen = following[0] if following else team[0]
        self.positions[rule_id] = chosen
        return chosen

    def taken(self, user_id: int) -> None:
        """One more open record for `user_id` (later picks of the batch see it)."""
        self.loads[user_id] = self.loads.get(user_id, 0) + 1
