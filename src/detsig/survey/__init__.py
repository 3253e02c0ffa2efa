"""Area surveys: many sweeps turned into a dig list, coverage checks and maps.

- :mod:`detsig.survey.plan`: the planned grid (``survey.toml``) for wheel-only sweeps, sensor
  width and coverage limits;
- :mod:`detsig.survey.layout`: where every trace and frame of every sweep was, in one local
  grid (GNSS projected with pyproj, or the plan);
- :mod:`detsig.survey.diglist`: candidates of all sweeps merged into one item per object;
- :mod:`detsig.survey.coverage`: swept footprint, gaps, overlap, speed and fix quality;
- :mod:`detsig.survey.grid`: gridding sweeps to a regular cube and its depth slices (C-scans).
"""

from detsig.survey.layout import LocalFrame, Survey, Sweep, SweepTrack, load_survey, survey_files
from detsig.survey.plan import PLAN_FILE_NAME, PlannedSweep, QualityLimits, SurveyPlan, load_plan

__all__ = [
    "PLAN_FILE_NAME",
    "LocalFrame",
    "PlannedSweep",
    "QualityLimits",
    "Survey",
    "SurveyPlan",
    "Sweep",
    "SweepTrack",
    "load_plan",
    "load_survey",
    "survey_files",
]
