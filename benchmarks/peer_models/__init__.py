"""The reduced model of the peer benchmark and its versions in each engine (benchmarks/peers.py).

``reduced_model`` holds the parameters, the summary and a NumPy reference; ``this_engine``,
``mesa_agents``, ``mesa_frames_model`` and ``starsim_model`` each import only their own
framework, so the benchmark and this package need none of the peers installed.
"""
