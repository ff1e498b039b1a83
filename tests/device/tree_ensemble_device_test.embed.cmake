# Files tree_ensemble_device_test embeds (see embed_host_outputs.cmake).
tinyforge_embed_host_outputs(tree_ensemble_device_test TOOL make_tree_models
  FILES tree_forest.tfm tree_isolation.tfm tree_rows.bin tree_forest_host.bin
        tree_isolation_host.bin tree_forest_bad_child.tfm)
