package ai.baton.router.routing;

import ai.baton.router.registry.NodeHandle;

/** The prefill node picked for a prompt, why, and how much of the prompt its tree already held. */
public record PrefillChoice(NodeHandle node, RouteReason reason, int matchedTokens) {}
