from golive.cli.main import run

run()
