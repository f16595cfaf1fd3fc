"""While a helpdesk agent has the conversation, every user message goes to the agent.

``HandoffPolicy`` looks only at the ``handoff_active`` slot (``influence_conversation: false``,
so no other policy learns anything from it): when it is true and the user has just written, it
predicts the relay action with confidence 1.0 and, after that action, ``action_listen``. Its
priority is above RulePolicy's, so at equal confidence it wins over any rule, form or fallback;
otherwise it abstains (all zeros) and the usual policies decide.
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

SLOT = "handoff_slot"
RELAY_ACTION = "relay_action"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class HandoffPolicy(Policy):  # type: ignore[misc]  # rasa is untyped
    """Relay every user message to the agent while ``handoff_active`` is true."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            POLICY_PRIORITY: RULE_POLICY_PRIORITY + 1,
            SLOT: "handoff_active",
            RELAY_ACTION: "action_relay_to_agent",
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._slot: str = config[SLOT]
        self._relay_action: str = config[RELAY_ACTION]

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn: the behaviour is fixed by the slot."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """The relay action after a user message, then listen; else abstain."""
        last_action = tracker.latest_action_name
        if last_action == self._relay_action:
            # Also when the relay just cleared the slot (the agent had left): it has answered.
            action = ACTION_LISTEN_NAME
        elif (
            tracker.get_slot(self._slot) is True
            and last_action == ACTION_LISTEN_NAME
            and tracker.latest_message is not None
        ):
            # The user has just written (slot extraction runs without an action event).
            action = self._relay_action
        else:
            return self._prediction(self._default_predictions(domain))
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
