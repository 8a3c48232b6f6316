/* Test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks: Rust's standard
 * library calls ProcessPrng at start-up, so without it sfkey.exe exits with status 53 before
 * main. It fills the buffer from RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 * Never shipped: .ci/windows puts it next to the sfkey.exe it runs under Wine. */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
