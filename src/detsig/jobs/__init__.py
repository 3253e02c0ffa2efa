"""Whole-file jobs: processing a recording (:mod:`detsig.jobs.process`) and the demo
(:mod:`detsig.jobs.demo`), each built from the layers below and called by the command line."""
