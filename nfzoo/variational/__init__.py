"""Variational inference with flows, in one package:

    free_energy.py       the annealed free energy E_q[ln q - beta_t ln p~] and its Keras base model
    variational_flow.py  `VariationalFlow`: a flow q fitted to an unnormalised density (Rezende & Mohamed 2015)
    vae.py               `VAE`: a variational autoencoder with a flow posterior (amortised inference)
    energies.py          the 2-D target energies U1-U4 of Rezende & Mohamed

Nothing is imported here, so `nfzoo.variational.energies` stays free of the models (data may import it).
"""
