"""Smoke test: the SDK's C API from Python ctypes, as a C#/Java binding would use it.
Usage: ctypes_smoke.py <libonshi_host.so> <plugin dir>"""
import ctypes as C
import sys


class Version(C.Structure):
    _fields_ = [("major", C.c_uint16), ("minor", C.c_uint16), ("patch", C.c_uint16), ("reserved", C.c_uint16)]


class Error(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("code", C.c_int32), ("native_code", C.c_int32),
                ("flags", C.c_uint32), ("domain", C.c_char * 32), ("message", C.c_char * 480),
                ("hint", C.c_char * 256)]


LogSink = C.CFUNCTYPE(None, C.c_void_p, C.c_int32, C.c_char_p, C.c_char_p)


class Options(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("host_name", C.c_char_p), ("host_version", C.c_char_p),
                ("plugin_dirs", C.POINTER(C.c_char_p)), ("plugin_dir_count", C.c_uint32),
                ("use_default_dirs", C.c_int32), ("enabled_ids", C.POINTER(C.c_char_p)),
                ("enabled_id_count", C.c_uint32), ("config_json", C.c_char_p), ("state_dir", C.c_char_p),
                ("log_sink", LogSink), ("log_ctx", C.c_void_p), ("log_level", C.c_int32)]


class PluginInfo(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("id", C.c_char_p), ("name", C.c_char_p), ("vendor", C.c_char_p),
                ("version", C.c_char_p), ("abi", Version), ("manifest_path", C.c_char_p),
                ("library_path", C.c_char_p), ("thread_safety", C.c_char_p),
                ("provides", C.POINTER(C.c_char_p)), ("provides_count", C.c_uint32), ("state", C.c_int32),
                ("stage", C.c_char_p), ("message", C.c_char_p), ("hint", C.c_char_p),
                ("error_code", C.c_int32), ("warnings", C.c_char_p)]


def main():
    lib = C.CDLL(sys.argv[1])
    lib.onshi_sdk_version.restype = C.c_char_p
    lib.onshi_sdk_open.argtypes = [C.POINTER(Options), C.POINTER(C.c_void_p), C.POINTER(Error)]
    lib.onshi_sdk_plugin_count.argtypes = [C.c_void_p]
    lib.onshi_sdk_plugin_count.restype = C.c_uint32
    lib.onshi_sdk_plugin_info.argtypes = [C.c_void_p, C.c_uint32, C.POINTER(PluginInfo)]
    lib.onshi_sdk_close.argtypes = [C.c_void_p]
    lib.onshi_sdk_set_time_ms.argtypes = [C.c_void_p, C.c_int64]
    lib.onshi_sdk_now_ms.argtypes = [C.c_void_p]
    lib.onshi_sdk_now_ms.restype = C.c_int64

    lines = []
    sink = LogSink(lambda ctx, level, plugin, msg: lines.append((plugin.decode(), msg.decode())))
    dirs = (C.c_char_p * 1)(sys.argv[2].encode())
    opts = Options(struct_size=C.sizeof(Options), host_name=b"python-smoke", plugin_dirs=dirs,
                   plugin_dir_count=1, log_sink=sink, log_level=1)
    sdk, err = C.c_void_p(), Error(struct_size=C.sizeof(Error))
    assert lib.onshi_sdk_open(C.byref(opts), C.byref(sdk), C.byref(err)) == 0, err.message
    states = {}
    for i in range(lib.onshi_sdk_plugin_count(sdk)):
        info = PluginInfo(struct_size=C.sizeof(PluginInfo))
        assert lib.onshi_sdk_plugin_info(sdk, i, C.byref(info)) == 0
        states[info.id.decode()] = (info.state, info.stage.decode())
    lib.onshi_sdk_set_time_ms(sdk, 1700000000000)
    assert lib.onshi_sdk_now_ms(sdk) == 1700000000000
    lib.onshi_sdk_close(sdk)

    assert states["onshi.test.good"] == (0, ""), states
    assert states["onshi.test.no-entry"] == (1, "symbol"), states
    assert states["onshi.test.abi-major"] == (1, "abi"), states
    assert ("onshi.test.good", "good plugin created") in lines, lines
    print("version", lib.onshi_sdk_version().decode(), "plugins", len(states))
    print("1 passed, 0 failed")


main()
