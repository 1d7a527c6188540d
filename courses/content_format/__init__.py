"""The course content format: a folder of plain text files (``docs/content-format.md``).

:func:`read_course` and :func:`read_courses` parse and check folders into
plain dataclasses, reporting every problem at once with its file and line;
:func:`write_course` writes a :class:`CourseSource` back in the canonical
form, so a folder written in that form survives a round trip byte for byte.
Nothing here touches the database.

The package keeps reading, checking and writing apart:

``layout``
    the folder's files, the kinds of item (:data:`ITEM_KINDS`), ids.
``model``
    the parsed form (:class:`CourseSource` and the rest).
``yamlfile``
    plain-text checks and YAML that keeps its line numbers.
``schemas``, ``validation``
    the shape of each file as JSON Schema, checked by jsonschema; each error
    becomes ``file:line: message``.
``checking``
    the rules a schema cannot state (ids used once, answers that can be
    right, links).
``items``, ``reading``
    reading item files (a reader per kind) and whole folders.
``writing``
    the canonical form (a writer per kind).
``translations``, ``translation_schemas``, ``stamping``
    a course's translations (``translations/<lang>/``): read and checked
    against the original, and stamped with the hash of the original they match.

Adding to the format: a new key of an existing file goes into its schema,
its dataclass, its reader and its writer. A new kind of course item (an
assignment) adds an ``ItemKind`` to ``layout.ITEM_KINDS``, a schema, a reader
to ``items.ITEM_READERS`` and a writer to ``writing.ITEM_WRITERS``.
"""

from .items import latest_today, read_sources_text
from .layout import (
    ASSIGNMENT_DIR,
    COURSE_FILE,
    FRONT_MATTER,
    ID_MAX,
    ITEM_KINDS,
    LESSON_DIR,
    QUIZ_DIR,
    RESERVED_SLUGS,
    TRANSLATIONS_DIR,
    ItemKind,
)
from .model import (
    CourseSource,
    CourseTextTranslation,
    ItemSource,
    ItemTranslation,
    ModuleSource,
    OptionSource,
    OptionTranslation,
    QuestionSource,
    QuestionTranslation,
    Reference,
    SourceEntry,
    Translation,
    content_data,
    source_entries,
    translation_data,
)
from .problems import ContentProblems, Problem
from .reading import find_course_folders, read_course, read_courses
from .stamping import stamp
from .translations import item_hash, original_hashes, source_hash
from .writing import (
    course_files,
    course_yaml,
    dump_yaml,
    lesson_text,
    quiz_yaml,
    sources_data,
    write_course,
)

__all__ = [
    "COURSE_FILE",
    "FRONT_MATTER",
    "ID_MAX",
    "ITEM_KINDS",
    "LESSON_DIR",
    "QUIZ_DIR",
    "ASSIGNMENT_DIR",
    "RESERVED_SLUGS",
    "ContentProblems",
    "CourseSource",
    "ItemKind",
    "ItemSource",
    "ModuleSource",
    "OptionSource",
    "Problem",
    "QuestionSource",
    "Reference",
    "SourceEntry",
    "content_data",
    "course_files",
    "course_yaml",
    "dump_yaml",
    "find_course_folders",
    "latest_today",
    "lesson_text",
    "quiz_yaml",
    "read_course",
    "read_courses",
    "read_sources_text",
    "source_entries",
    "sources_data",
    "write_course",
    "TRANSLATIONS_DIR",
    "CourseTextTranslation",
    "ItemTranslation",
    "OptionTranslation",
    "QuestionTranslation",
    "Translation",
    "item_hash",
    "original_hashes",
    "source_hash",
    "stamp",
    "translation_data",
]
