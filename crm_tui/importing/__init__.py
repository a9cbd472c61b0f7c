"""Importing a file, from its bytes to one committed batch: ``job.ImportJob`` owns the whole
run (reading, in a process of its own for a large file; preparing; matching and writing
through ``services.imports``), and the CLI only parses options, runs a job and prints its
outcome. Nothing here loads the database layer before the file's reading has started."""
