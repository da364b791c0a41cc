#include "core/bpf/value_btf.h"

#include <cerrno>
#include <string>

#include "bpf/record.h"
#include "core/bpf/error.h"

namespace mapsla {
namespace {

uint32_t checked_id(int id, const char* what) {
  return static_cast<uint32_t>(check_libbpf(id, "btf__add", what));
}

}  // namespace

LockedValueBtf::LockedValueBtf(uint32_t value_size) : btf_(btf__new_empty(), btf__free) {
  if (!btf_) throw BpfError("btf__new_empty", "locked value BTF", errno);
  if (value_size <= MAPSLA_LOCK_HEADER_BYTES)
    throw BpfError("build BTF", "locked value of " + std::to_string(value_size) + " bytes", EINVAL);
  btf* types = btf_.get();
  const uint32_t int_id = checked_id(btf__add_int(types, "int", 4, BTF_INT_SIGNED), "int");
  key_type_id_ = checked_id(btf__add_int(types, "unsigned int", 4, 0), "unsigned int");
  const uint32_t byte_id = checked_id(btf__add_int(types, "unsigned char", 1, 0), "unsigned char");
  // The kernel recognises the lock by this exact struct name and size.
  const uint32_t lock_id = checked_id(btf__add_struct(types, "bpf_spin_lock", 4), "bpf_spin_lock");
  check_libbpf(btf__add_field(types, "val", int_id, 0, 0), "btf__add_field", "bpf_spin_lock.val");
  const uint32_t record_bytes = value_size - MAPSLA_LOCK_HEADER_BYTES;
  const uint32_t record_id =
      checked_id(btf__add_array(types, key_type_id_, byte_id, record_bytes), "record bytes");
  value_type_id_ =
      checked_id(btf__add_struct(types, "mapsla_locked_value", value_size), "mapsla_locked_value");
  check_libbpf(btf__add_field(types, "lock", lock_id, 0, 0), "btf__add_field", "lock");
  check_libbpf(btf__add_field(types, "pad", key_type_id_, 32, 0), "btf__add_field", "pad");
  check_libbpf(btf__add_field(types, "record", record_id, MAPSLA_LOCK_HEADER_BYTES * 8, 0),
               "btf__add_field", "record");
  check_libbpf(btf__load_into_kernel(types), "btf__load_into_kernel", "locked value BTF");
}

}  // namespace mapsla
