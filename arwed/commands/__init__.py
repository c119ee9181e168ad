"""One module per `arwed` subcommand: argument definitions and the glue that runs the job."""
