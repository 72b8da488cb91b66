"""Parameters: the YAML tree of defaults with metadata, and scenario overlays."""

from migrant_health.params.scenario import Scenario
from migrant_health.params.spec import ParameterSpec
from migrant_health.params.tree import DEFAULTS_DIR, ParameterTree

__all__ = ["DEFAULTS_DIR", "ParameterSpec", "ParameterTree", "Scenario", "load_parameters"]


def load_parameters(scenario: Scenario | None = None) -> ParameterTree:
    """The package defaults with ``scenario`` (validated) applied on top."""
    tree = ParameterTree.load()
    return scenario.apply(tree) if scenario is not None else tree
