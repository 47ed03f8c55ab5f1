"""Under what terms a data set's images may be used: stated by a config (``data.licence``), or by the data source
where the source fixes it (`SOURCE_LICENCES`). Model cards and zoo records quote `data_licence`; a source whose
licence varies (an npz array, a TFDS set other than CelebA) says so until its config states one."""
CELEBA = ("CelebA images (CUHK MMLab CelebA agreement: non-commercial research use only). The images are not in this "
          "repository; only weights and derived statistics are shipped, under the same research-only terms.")
SOURCE_LICENCES = {
    "celeba_npz": CELEBA,
    "celeba_folder": CELEBA,
    "digits": "scikit-learn's bundled digits (UCI optdigits, CC BY 4.0).",
    "two_moons": "generated points (sklearn.datasets.make_moons): no third-party data.",
}
TFDS_LICENCES = {"celeb_a": CELEBA}


def data_licence(data_config):
    """The licence text of a config's ``data`` section: its ``licence``, else its source's, else a line saying that
    the config should state one."""
    if data_config.get("licence"):
        return data_config["licence"]
    source = data_config.get("source")
    known = TFDS_LICENCES.get(data_config.get("tfds_name")) if source == "tfds" else SOURCE_LICENCES.get(source)
    return known or f"not stated for data source {source!r}: set data.licence in the model's config."
