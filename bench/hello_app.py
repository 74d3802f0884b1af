"""The floor of the benchmark: Flask's hello world under waitress with 4 threads.

    python bench/hello_app.py PORT
"""
import sys

from flask import Flask
from waitress import serve

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"


if __name__ == "__main__":
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=4, _quiet=True)
