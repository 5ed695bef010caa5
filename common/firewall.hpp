// The exception firewall used at every boundary to C (Slurm entry points,
// SPANK callbacks, curl/jansson callbacks, thread bodies, main): no C++
// exception may unwind into C frames.
#pragma once

#include <exception>
#include <new>
#include <type_traits>

namespace stratus {

// Receives the failure; must not throw (it is called from a catch block).
using ErrorSink = void (*)(const char* where, const char* what) noexcept;

// Returns f(), or on_error if f throws; the exception is reported to sink.
template <class R, class F>
R guarded(const char* where, R on_error, ErrorSink sink, F&& f) noexcept {
    try {
        if constexpr (std::is_void_v<R>) f();
        else return f();
    } catch (const std::bad_alloc&) {
        if (sink) sink(where, "out of memory");
    } catch (const std::exception& e) {
        if (sink) sink(where, e.what());
    } catch (...) {
        if (sink) sink(where, "unknown exception");
    }
    if constexpr (!std::is_void_v<R>) return on_error;
}

}  // namespace stratus
