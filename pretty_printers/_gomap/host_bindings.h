// _gomap's bindings of the `gomap` commands (commands/) over a Python host.
#ifndef GOMAP_PRETTY_PRINTERS_HOST_BINDINGS_H
#define GOMAP_PRETTY_PRINTERS_HOST_BINDINGS_H

#include <pybind11/pybind11.h>

namespace gomap::python {

// Adds _gomap.commands() and _gomap.run_command(...).
void AddCommandBindings(pybind11::module_ &m);

} // namespace gomap::python

#endif
