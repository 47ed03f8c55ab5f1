"""Training nfzoo models with Keras `fit`: schedules, callbacks, distribution strategies, the train loop."""
