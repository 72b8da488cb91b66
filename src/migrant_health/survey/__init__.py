"""Survey microdata: the schema, readers and writers, column maps and validation.

Typical use::

    from migrant_health.survey import read_survey, validate_survey

    frame = read_survey("cmds2017.dta", column_map="cmds_column_map.yaml")
    frame = read_survey("export.csv", encoding="gbk")   # default: UTF-8 or GB18030, detected
    table = validate_survey(frame)   # raises SurveyValidationError listing every problem
"""

from migrant_health.survey.columnmap import ColumnMap
from migrant_health.survey.errors import (
    ColumnMapError,
    Problem,
    SurveyReadError,
    SurveyValidationError,
    SurveyWriteError,
    ValidationReport,
)
from migrant_health.survey.meta import SurveyMeta, get_meta, set_meta
from migrant_health.survey.readers import read_survey, read_table, write_survey
from migrant_health.survey.schema import REQUIRED_COLUMNS, SCHEMA, Column
from migrant_health.survey.validate import check_survey, validate_survey

__all__ = [
    "REQUIRED_COLUMNS",
    "SCHEMA",
    "Column",
    "ColumnMap",
    "ColumnMapError",
    "Problem",
    "SurveyMeta",
    "SurveyReadError",
    "SurveyValidationError",
    "SurveyWriteError",
    "ValidationReport",
    "check_survey",
    "get_meta",
    "read_survey",
    "read_table",
    "set_meta",
    "validate_survey",
    "write_survey",
]
