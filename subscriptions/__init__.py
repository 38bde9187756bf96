"""Live events over WebSocket (graphql-transport-ws): channel groups, publish-after-commit, consumers."""
