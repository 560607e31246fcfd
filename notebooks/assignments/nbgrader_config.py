"""nbgrader's configuration for the course's assignments (run nbgrader from this folder).

The course directory is this folder: source/ holds the teacher's notebooks (solutions and
hidden tests inside nbgrader's markers), release/ what students get (generated, committed),
and submitted/, autograded/, feedback/ and gradebook.db appear while a course runs (they
are ignored by git). See README.md for the commands.
"""


import os

c = get_config()  # noqa: F821 (nbgrader provides get_config when it reads this file)
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# The jupytext text sources (*.py) sit beside the source notebooks: they hold the
# solutions, so they must never be copied into a release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]
# A student's notebook gets up to 3 minutes per cell when autograded (the CIFAR-10 training
# takes seconds; a runaway loop should fail, not hang the grader).
c.ExecutePreprocessor.timeout = 180
# Keep the solution markers' replacement the same everywhere (nbgrader's default, explicit).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
