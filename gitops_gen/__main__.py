from gitops_gen.cli import run

run()
