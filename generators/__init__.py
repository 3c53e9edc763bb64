"""Program synthesis: hypothesis strategies that build the fuzzir program model."""
