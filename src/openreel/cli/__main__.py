from openreel.cli.main import app

app(prog_name="openreel")
