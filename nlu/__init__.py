"""Natural-language understanding: language detection, the Rasa client and its sidecar."""
