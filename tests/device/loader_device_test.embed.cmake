# Files loader_device_test embeds (see embed_host_outputs.cmake).
tinyforge_embed_host_outputs(loader_device_test TOOL make_test_models
  FILES test_model.tfm test_model_input.bin test_model_expected.bin)
