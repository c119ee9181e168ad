"""Build tools for the repository; not part of the installed arwed package."""
