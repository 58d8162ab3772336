"""Base of every error ipnav raises on purpose.

Each domain defines its own subclasses (``NumberError``, ``InputFileError`` ...).
The CLI and, later, the web app map them to exit codes and HTTP statuses in one
place each; their message is written for the person who has to act on it.
"""


class IpnavError(Exception):
    """An expected failure whose message tells the user what is wrong and what to do."""

    exit_code: int = 1
