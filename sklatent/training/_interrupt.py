"""A Ctrl+C during training reaches the caller.

skorch ends a fit quietly on ``KeyboardInterrupt``, which is also its signal to stop early
(skorch's ``EarlyStopping`` raises it, and so does :class:`HeldOutBound`): the fit returns a
half-trained model, and a grid search or the restarts of a fit go on. Training blocks record
whether the user interrupted, by SIGINT, and raise ``KeyboardInterrupt`` again once skorch has
let go of it.
"""

import contextlib
import signal
import threading


@contextlib.contextmanager
def interrupts_reach_the_caller():
    """Run a training block; if SIGINT interrupted it, raise ``KeyboardInterrupt`` after it.

    The previous SIGINT handler still runs and is put back after the block; only when it
    raises ``KeyboardInterrupt`` (Python's does, and skorch's epoch loop then ends) is the
    interrupt raised again after the block. A handler that only sets a flag is left to it.
    Only the main thread receives signals: elsewhere, or where SIGINT is ignored or not
    handled by Python, the block runs as it is.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return
    received = []

    def forward_then_record(signum, frame):
        try:
            previous(signum, frame)
        except KeyboardInterrupt:  # only an interrupt the program's own handler raised
            received.append(signum)
            raise

    signal.signal(signal.SIGINT, forward_then_record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
