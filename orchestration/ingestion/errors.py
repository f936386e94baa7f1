"""Errors that fail one export day of one source, naming the file and the column."""


class LandingFileError(Exception):
    """A landing file cannot be loaded at all (unreadable, or a required column is missing)."""

    def __init__(self, path: str, message: str, column: str | None = None):
        self.path = path
        self.column = column
        where = f"{path}" + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")
