"""jants: official and independent figures on the January 2022 events in Kazakhstan, as a data package.

>>> import jants
>>> tables = jants.load()                # every table as a pandas DataFrame
>>> tidy = jants.observations()          # observations with series, metric, body and source labels
>>> deaths = jants.series("persons_killed")  # one series, in date order
"""

__version__ = "0.5.0"

from .explore.tables import load, observations, series  # noqa: E402  (pandas is imported only when called)

__all__ = ["__version__", "load", "observations", "series"]
