"""Rosters: who holds which role, and who is in which team, at decision time.

A roster file wins over the policy's static ``roles[].members``: teams change more often
than policies. The shape::

    apiVersion: golive/v1
    kind: Roster
    roles:
      release-manager: [alice, bob]
    teams:
      "@acme/platform": [carol, dave]
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from golive.core.policy.model import Id, Text


class RosterFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    api_version: Literal["golive/v1"] = Field(alias="apiVersion", description="Always golive/v1.")
    kind: Literal["Roster"] = Field(description="Always 'Roster'.")
    roles: dict[Id, list[Text]] = Field(
        default_factory=dict, description="Role id to the people who hold it."
    )
    teams: dict[Text, list[Text]] = Field(
        default_factory=dict, description="Team (e.g. '@org/team') to its members."
    )

    def role_map(self) -> dict[str, tuple[str, ...]]:
        return {role: tuple(people) for role, people in self.roles.items()}

    def team_map(self) -> dict[str, tuple[str, ...]]:
        return {team: tuple(people) for team, people in self.teams.items()}
