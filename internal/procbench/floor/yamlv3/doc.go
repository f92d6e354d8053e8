// Command yamlv3 is the item-by-item floor of the whole-process
// benchmarks: the least a function that streams its input must do. It
// splits the ResourceList's items from the input bytes, parses and
// serialises each item on its own with yaml.v3 (the parser kyaml is built
// on) and drops its tree before the next, so its memory is the input plus
// the largest item. The document around the items (functionConfig,
// results) is parsed and written once. A plain multi-document stream is
// handled document by document.
package main
