// Lets the static engine of the wheel (JACKD_STATIC) run on glibc 2.34, although it is built on Debian 12
// (glibc 2.36). Linked into that build only; a dynamic build uses the system's libgcc_s and libstdc++.
//
// The static libgcc and libstdc++ of Debian 12 were built against glibc 2.36 and reference two
// functions that older glibc releases lack. Each is defined here with glibc's contract, from calls that
// glibc 2.34 has, so the linker resolves them inside the binary and never asks the C library for them:
//   - _dl_find_object (glibc 2.35): how libgcc's unwinder finds the exception tables of the code that
//     threw. Without it no C++ exception could be caught.
//   - arc4random (glibc 2.36): std::random_device's default source in libstdc++ 12.
// The remaining floor is glibc 2.34, which every binary linked against glibc 2.34 or later has:
// __libc_start_main and the pthread functions that moved into libc.so.6 then.
// tests/packaging/check_wheel.sh checks the floor with auditwheel on every CI run.

#include <dlfcn.h>
#include <link.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace {

struct ObjectSearch {
  std::uintptr_t address;
  dl_find_object* result;
  bool found = false;
};

// dl_iterate_phdr's callback: fills the search's result when `info` is the object that maps the address.
int MatchObject(dl_phdr_info* info, std::size_t /*size*/, void* data) {
  auto* search = static_cast<ObjectSearch*>(data);
  std::uintptr_t start = UINTPTR_MAX, end = 0;
  void* eh_frame = nullptr;
  bool contains = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    std::uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    if (segment.p_type == PT_GNU_EH_FRAME) eh_frame = reinterpret_cast<void*>(begin);
    if (segment.p_type != PT_LOAD) continue;
    if (begin < start) start = begin;
    if (begin + segment.p_memsz > end) end = begin + segment.p_memsz;
    if (search->address >= begin && search->address < begin + segment.p_memsz) contains = true;
  }
  if (!contains) return 0;
  search->result->dlfo_flags = 0;
  search->result->dlfo_map_start = reinterpret_cast<void*>(start);
  search->result->dlfo_map_end = reinterpret_cast<void*>(end);
  search->result->dlfo_link_map = nullptr;  // the unwinder reads only the exception frame
  search->result->dlfo_eh_frame = eh_frame;
  search->found = true;
  return 1;
}

}  // namespace

extern "C" {

// glibc's contract: 0 and *result filled when an object maps `address`, -1 otherwise.
int _dl_find_object(void* address, dl_find_object* result) noexcept {
  ObjectSearch search{reinterpret_cast<std::uintptr_t>(address), result};
  dl_iterate_phdr(MatchObject, &search);
  return search.found ? 0 : -1;
}

// A uniformly random 32-bit value from the kernel, which cannot fail on the kernels glibc 2.34 supports.
std::uint32_t arc4random() noexcept {
  std::uint32_t value;
  for (;;) {
    ssize_t got = getrandom(&value, sizeof value, 0);
    if (got == static_cast<ssize_t>(sizeof value)) return value;
    if (got < 0 && errno != EINTR) std::abort();  // as glibc's arc4random does when getrandom fails
  }
}

}  // extern "C"
