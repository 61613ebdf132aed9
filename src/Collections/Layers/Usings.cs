// The shared collection layers (tree reduction, hash shuffle, layer keys, stable hash) are used by every collection,
// whatever namespace its files are in.
global using TaskGraph.Collections;
