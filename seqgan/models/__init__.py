"""Models of the paper: the LSTM generator (also the oracle's form) and the CNN discriminator."""
