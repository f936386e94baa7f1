"""Errors that fail one export day of one source, naming the file and the column."""


class LandingFileError(Exception):
    """A landing file cannot be loaded at all (unreadable, or a required column is missing).

    The message is one line (library messages are folded), because it is an expected outcome that
    ends up in a log line, the load log and the run's failure description, never a traceback.
    """

    def __init__(self, path: str, message: str, column: str | None = None):
        self.path = path
        self.column = column
        where = f"{path}" + (f", column '{column}'" if column else "")
        super().__init__(" ".join(f"{where}: {message}".split()))
