"""`parscore serve`: a local web page for officials and an HTTP API for other systems.

The server is stateless: every request carries the facts it is about (an upload, a
bundled example named from a fixed list, or the facts posted back by the page), and
nothing is written to disk. The API returns exactly what the CLI prints for `-f json`.
"""
