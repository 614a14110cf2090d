"""Training procedures: MLE, discriminator fitting, SeqGAN's adversarial policy gradient."""
