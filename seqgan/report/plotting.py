"""matplotlib without a display: every figure of the reports is drawn off-screen into a file."""


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported on first use (the CLI's other verbs never pay for it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
