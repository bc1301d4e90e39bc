#ifndef MYPYC_NATIVE_3a1feb50fcbf120be447_H
#define MYPYC_NATIVE_3a1feb50fcbf120be447_H
#include <Python.h>
#include <CPy.h>
#ifndef MYPYC_DECLARED_tuple_T2OO
#define MYPYC_DECLARED_tuple_T2OO
typedef struct tuple_T2OO {
    PyObject *f0;
    PyObject *f1;
} tuple_T2OO;
#endif

#ifndef MYPYC_DECLARED_tuple_T4CIOO
#define MYPYC_DECLARED_tuple_T4CIOO
typedef struct tuple_T4CIOO {
    char f0;
    CPyTagged f1;
    PyObject *f2;
    PyObject *f3;
} tuple_T4CIOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T0
#define MYPYC_DECLARED_tuple_T0
typedef struct tuple_T0 {
    int empty_struct_error_flag;
} tuple_T0;
#endif

#ifndef MYPYC_DECLARED_tuple_T3CIO
#define MYPYC_DECLARED_tuple_T3CIO
typedef struct tuple_T3CIO {
    char f0;
    CPyTagged f1;
    PyObject *f2;
} tuple_T3CIO;
#endif

#ifndef MYPYC_DECLARED_tuple_T14OOOOOOOOOOOOOO
#define MYPYC_DECLARED_tuple_T14OOOOOOOOOOOOOO
typedef struct tuple_T14OOOOOOOOOOOOOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
    PyObject *f4;
    PyObject *f5;
    PyObject *f6;
    PyObject *f7;
    PyObject *f8;
    PyObject *f9;
    PyObject *f10;
    PyObject *f11;
    PyObject *f12;
    PyObject *f13;
} tuple_T14OOOOOOOOOOOOOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T15OOOOOOOOOOOOOOO
#define MYPYC_DECLARED_tuple_T15OOOOOOOOOOOOOOO
typedef struct tuple_T15OOOOOOOOOOOOOOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
    PyObject *f4;
    PyObject *f5;
    PyObject *f6;
    PyObject *f7;
    PyObject *f8;
    PyObject *f9;
    PyObject *f10;
    PyObject *f11;
    PyObject *f12;
    PyObject *f13;
    PyObject *f14;
} tuple_T15OOOOOOOOOOOOOOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T3OOO
#define MYPYC_DECLARED_tuple_T3OOO
typedef struct tuple_T3OOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
} tuple_T3OOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T10OOOOOOOOOO
#define MYPYC_DECLARED_tuple_T10OOOOOOOOOO
typedef struct tuple_T10OOOOOOOOOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
    PyObject *f4;
    PyObject *f5;
    PyObject *f6;
    PyObject *f7;
    PyObject *f8;
    PyObject *f9;
} tuple_T10OOOOOOOOOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T6OOOOOO
#define MYPYC_DECLARED_tuple_T6OOOOOO
typedef struct tuple_T6OOOOOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
    PyObject *f4;
    PyObject *f5;
} tuple_T6OOOOOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T4IOOO
#define MYPYC_DECLARED_tuple_T4IOOO
typedef struct tuple_T4IOOO {
    CPyTagged f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
} tuple_T4IOOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T2OI
#define MYPYC_DECLARED_tuple_T2OI
typedef struct tuple_T2OI {
    PyObject *f0;
    CPyTagged f1;
} tuple_T2OI;
#endif

#ifndef MYPYC_DECLARED_tuple_T2IO
#define MYPYC_DECLARED_tuple_T2IO
typedef struct tuple_T2IO {
    CPyTagged f0;
    PyObject *f1;
} tuple_T2IO;
#endif

#ifndef MYPYC_DECLARED_tuple_T3IIO
#define MYPYC_DECLARED_tuple_T3IIO
typedef struct tuple_T3IIO {
    CPyTagged f0;
    CPyTagged f1;
    PyObject *f2;
} tuple_T3IIO;
#endif

#ifndef MYPYC_DECLARED_tuple_T8T2OOT2OOT2OOT2OOT2OOT2OOT2OOT2OO
#define MYPYC_DECLARED_tuple_T8T2OOT2OOT2OOT2OOT2OOT2OOT2OOT2OO
typedef struct tuple_T8T2OOT2OOT2OOT2OOT2OOT2OOT2OOT2OO {
    tuple_T2OO f0;
    tuple_T2OO f1;
    tuple_T2OO f2;
    tuple_T2OO f3;
    tuple_T2OO f4;
    tuple_T2OO f5;
    tuple_T2OO f6;
    tuple_T2OO f7;
} tuple_T8T2OOT2OOT2OOT2OOT2OOT2OOT2OOT2OO;
#endif

#ifndef MYPYC_DECLARED_tuple_T2II
#define MYPYC_DECLARED_tuple_T2II
typedef struct tuple_T2II {
    CPyTagged f0;
    CPyTagged f1;
} tuple_T2II;
#endif

#ifndef MYPYC_DECLARED_tuple_T1I
#define MYPYC_DECLARED_tuple_T1I
typedef struct tuple_T1I {
    CPyTagged f0;
} tuple_T1I;
#endif

#ifndef MYPYC_DECLARED_tuple_T2OC
#define MYPYC_DECLARED_tuple_T2OC
typedef struct tuple_T2OC {
    PyObject *f0;
    char f1;
} tuple_T2OC;
#endif

#ifndef MYPYC_DECLARED_tuple_T3OIO
#define MYPYC_DECLARED_tuple_T3OIO
typedef struct tuple_T3OIO {
    PyObject *f0;
    CPyTagged f1;
    PyObject *f2;
} tuple_T3OIO;
#endif

#ifndef MYPYC_DECLARED_tuple_T3IOO
#define MYPYC_DECLARED_tuple_T3IOO
typedef struct tuple_T3IOO {
    CPyTagged f0;
    PyObject *f1;
    PyObject *f2;
} tuple_T3IOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T5OOOOO
#define MYPYC_DECLARED_tuple_T5OOOOO
typedef struct tuple_T5OOOOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
    PyObject *f4;
} tuple_T5OOOOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T2CC
#define MYPYC_DECLARED_tuple_T2CC
typedef struct tuple_T2CC {
    char f0;
    char f1;
} tuple_T2CC;
#endif

#ifndef MYPYC_DECLARED_tuple_T4OIIC
#define MYPYC_DECLARED_tuple_T4OIIC
typedef struct tuple_T4OIIC {
    PyObject *f0;
    CPyTagged f1;
    CPyTagged f2;
    char f3;
} tuple_T4OIIC;
#endif

#ifndef MYPYC_DECLARED_tuple_T13OOOOOOOOOOOOO
#define MYPYC_DECLARED_tuple_T13OOOOOOOOOOOOO
typedef struct tuple_T13OOOOOOOOOOOOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
    PyObject *f4;
    PyObject *f5;
    PyObject *f6;
    PyObject *f7;
    PyObject *f8;
    PyObject *f9;
    PyObject *f10;
    PyObject *f11;
    PyObject *f12;
} tuple_T13OOOOOOOOOOOOO;
#endif

#ifndef MYPYC_DECLARED_tuple_T5IICIO
#define MYPYC_DECLARED_tuple_T5IICIO
typedef struct tuple_T5IICIO {
    CPyTagged f0;
    CPyTagged f1;
    char f2;
    CPyTagged f3;
    PyObject *f4;
} tuple_T5IICIO;
#endif

#ifndef MYPYC_DECLARED_tuple_T9OOOOOOOOO
#define MYPYC_DECLARED_tuple_T9OOOOOOOOO
typedef struct tuple_T9OOOOOOOOO {
    PyObject *f0;
    PyObject *f1;
    PyObject *f2;
    PyObject *f3;
    PyObject *f4;
    PyObject *f5;
    PyObject *f6;
    PyObject *f7;
    PyObject *f8;
} tuple_T9OOOOOOOOO;
#endif

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_phase;
    CPyTagged _first_line;
    PyObject *_start_time;
    CPyTagged _last_line;
    PyObject *_end_time;
} app___analysis___boot____PhaseSpanObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *__collector;
    PyObject *__on_platform;
    PyObject *_platform;
    PyObject *_platform_line;
    PyObject *_facts;
    PyObject *_accepted;
    PyObject *_unaccepted;
    PyObject *_phases;
    PyObject *_boot_options;
    PyObject *_failure;
    PyObject *_exit_boot_line;
    PyObject *_last_time;
    PyObject *__dispatch;
} app___analysis___boot___BootTrackerObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_name;
    char _rom_variant;
    CPyTagged _bytes;
    CPyTagged _messages;
} app___analysis___debugcost____ModuleOutputObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *__modules;
    PyObject *__current;
    CPyTagged __offset;
    CPyTagged __line;
} app___analysis___debugcost___DebugCostObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
} app___analysis___debugcost___finish_DebugCost_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___debugcost_____mypyc_lambda__0_finish_DebugCost_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_name;
    PyObject *_regex;
    PyObject *_build;
} app___analysis___formats___base___LinePatternObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
    PyObject *_phase;
    PyObject *_build;
} app___analysis___formats___edk2_core____marker_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___formats___edk2_core___build__marker_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
    PyObject *_kind;
    PyObject *_build;
} app___analysis___formats___edk2_core____module_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___formats___edk2_core___build__module_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_core_____mypyc_lambda__0_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_sev_____mypyc_lambda__0_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_sev_____mypyc_lambda__1_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_sev_____mypyc_lambda__2_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_sev_____mypyc_lambda__3_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_sev_____mypyc_lambda__4_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_sev_____mypyc_lambda__5_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_tdx_____mypyc_lambda__0_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___formats___edk2_tdx_____mypyc_lambda__1_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
} app___analysis___model___EventObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _mask;
} app___analysis___model___SevEnabledObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _pages;
    CPyTagged _base;
    char _backup;
} app___analysis___model___SevEsGhcbObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_name;
    PyObject *_value;
} app___analysis___model___PlatformHintObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _boot_cpus;
    CPyTagged _max_cpus;
} app___analysis___model___CpuCountObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _gpaw;
    CPyTagged _cpus;
    PyObject *_hob;
} app___analysis___model___TdxStartedObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _mask;
} app___analysis___model___TdxSharedBitMaskObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _start;
    CPyTagged _end;
} app___analysis___model___MemoryAcceptedObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _resource_type;
    CPyTagged _start;
    CPyTagged _length;
} app___analysis___model___ResourceHobObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_phase;
    PyObject *_detail;
} app___analysis___model___PhaseMarkerObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_description;
} app___analysis___model___BootOptionObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_kind;
    PyObject *_text;
} app___analysis___model___BootFailureObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_name;
    CPyTagged _base;
    CPyTagged _entry;
    PyObject *_kind;
} app___analysis___model___ModuleLoadedObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_guid;
    CPyTagged _interface;
} app___analysis___model___ProtocolInstalledObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_kind;
    CPyTagged _bus;
    CPyTagged _device;
    CPyTagged _function;
    PyObject *_vendor_id;
    PyObject *_device_id;
} app___analysis___model___PciDeviceFoundObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_function;
    PyObject *_text;
} app___analysis___model___DriverMessageObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_operation;
    CPyTagged _host;
    CPyTagged _bytes;
} app___analysis___model___IoMmuMapRequestObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _mapping;
    CPyTagged _device_address;
    CPyTagged _crypted;
    CPyTagged _pages;
    PyObject *_reserved_bitmap;
} app___analysis___model___IoMmuMapResultObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _mapping;
    char _memory_map_locked;
} app___analysis___model___IoMmuUnmapObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _memory_type;
    CPyTagged _pages;
    CPyTagged _attributes;
} app___analysis___model___IoMmuAllocateRequestObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _host;
    CPyTagged _stash;
} app___analysis___model___IoMmuAllocateResultObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _host;
    CPyTagged _pages;
} app___analysis___model___IoMmuFreeObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _mapping;
    CPyTagged _access;
} app___analysis___model___IoMmuSetAttributeObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_stage;
} app___analysis___model___IoMmuExitBootObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _pages;
    CPyTagged _base;
} app___analysis___model___PoolInitObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _range_size;
    CPyTagged _address;
    CPyTagged _pages;
    CPyTagged _bits;
    CPyTagged _bitmap_before;
    CPyTagged _bitmap_after;
} app___analysis___model___PoolSlotTakenObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    CPyTagged _address;
    CPyTagged _bits;
    CPyTagged _bitmap_before;
    CPyTagged _bitmap_after;
    char _common;
} app___analysis___model___PoolSlotFreedObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_module;
    CPyTagged _physical;
    CPyTagged _length;
    char _encrypt;
    PyObject *_mmio;
} app___analysis___model___SetMemoryEncDecObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_module;
    CPyTagged _start;
    CPyTagged _end;
    char _shared;
    char _large;
} app___analysis___model___PageStateChangeObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_module;
    CPyTagged _physical;
    CPyTagged _length;
    char _shared;
} app___analysis___model___SetMemorySharedOrPrivateObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_module;
    CPyTagged _pte;
    char _set_shared;
} app___analysis___model___SharedBitChangeObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_module;
    CPyTagged _physical;
    PyObject *_what;
} app___analysis___model___PageSplitObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_kind;
    CPyTagged _address;
} app___analysis___model___TdAcceptMessageObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_rule_id;
    CPyTagged _rule_version;
    PyObject *_severity;
    PyObject *_title;
    PyObject *_explanation;
    PyObject *_advice;
    PyObject *_lines;
    CPyTagged _count;
    PyObject *_key;
    PyObject *_fingerprint;
    PyObject *_details;
} app___analysis___model___FindingObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _start;
    CPyTagged _end;
    PyObject *_state;
    PyObject *_label;
} app___analysis___model___LabelledRangeObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___model___label_Severity_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
} app___analysis___model___parse_Severity_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_rule_id;
    CPyTagged _version;
    PyObject *_severity;
    PyObject *_title;
    PyObject *_explanation;
    PyObject *_advice;
} app___analysis___rules___base___RuleObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_lines;
    CPyTagged _count;
    PyObject *_details;
    PyObject *_severity;
} app___analysis___rules___base____OccurrencesObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *__rules;
    PyObject *__groups;
} app___analysis___rules___base___FindingCollectorObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
} app___analysis___rules___base___findings_FindingCollector_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___rules___base_____mypyc_lambda__0_findings_FindingCollector_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _priority;
    PyObject *_name;
    PyObject *_match;
    PyObject *_build;
    CPyTagged _span;
    char _chatter;
} app___analysis___scanner____CandidateObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_source;
    CPyTagged _lines;
    CPyTagged _blank_lines;
    CPyTagged _recognised_lines;
    PyObject *_event_counts;
    char _synthesized;
    PyObject *_synthesized_header;
    char _has_timestamps;
    PyObject *_unrecognised_samples;
} app___analysis___scanner___ScanStatsObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
} app___analysis___scanner___ModuleObserverObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_candidates;
    PyObject *_by_group;
    PyObject *_master;
} app___analysis___scanner____PatternsObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *__patterns;
    PyObject *__cache;
    PyObject *_stats;
    PyObject *__observer;
    PyObject *__time_origin;
    double __last_clock;
    double __clock_days;
    CPyTagged __offset;
    PyObject *__hits;
} app___analysis___scanner___ScannerObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
} app___analysis___scanner_____init___3__Patterns_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___scanner_____mypyc_lambda__0___3_init___3__Patterns_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    uint32_t mypyc_running;
    PyObject *___mypyc_generator_frame_attribute__self;
    PyObject *___mypyc_generator_frame_attribute__stream;
    PyObject *___mypyc_generator_frame_attribute__progress;
    int32_t ___mypyc_next_label__;
    char ___mypyc_generator_frame_attribute__first;
    PyObject *___mypyc_temp__3_app___analysis___scanner___iter_events_Scanner_gen_1;
    PyObject *___mypyc_temp__2_app___analysis___scanner___iter_events_Scanner_gen_0;
} app___analysis___scanner___iter_events_Scanner_genObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    uint32_t mypyc_running;
    PyObject *___mypyc_generator_frame_attribute__self;
    PyObject *___mypyc_generator_frame_attribute__lines;
    int32_t ___mypyc_next_label__;
    PyObject *___mypyc_generator_frame_attribute__stats;
    PyObject *___mypyc_generator_frame_attribute__get_candidates;
    PyObject *___mypyc_generator_frame_attribute__hits;
    PyObject *___mypyc_generator_frame_attribute__observer;
    CPyTagged ___mypyc_generator_frame_attribute__offset;
    CPyTagged ___mypyc_generator_frame_attribute__line;
    CPyTagged ___mypyc_generator_frame_attribute__skip;
    CPyTagged ___mypyc_generator_frame_attribute__spanned;
    CPyTagged ___mypyc_temp__3_app___analysis___scanner____scan_lines_Scanner_gen_8;
    int64_t ___mypyc_temp__3_app___analysis___scanner____scan_lines_Scanner_gen_9;
    PyObject *___mypyc_generator_frame_attribute__candidate;
    PyObject *___mypyc_temp__2_app___analysis___scanner____scan_lines_Scanner_gen_0;
} app___analysis___scanner____scan_lines_Scanner_genObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
} app___analysis___scanner____learn_Scanner_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___scanner_____mypyc_lambda__1__learn_Scanner_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_tracker;
    PyObject *_labels;
    PyObject *_expected;
    PyObject *_snapshots;
} app___analysis___simulator___addrspace___AddressSpaceObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_devices;
    PyObject *_discovered;
    PyObject *_bound;
    PyObject *_context;
    PyObject *_context_kind;
    PyObject *_pending;
    char _in_blk_request;
    PyObject *_blk_device;
    PyObject *_fw_cfg_line;
    PyObject *_unattributed;
} app___analysis___simulator___attribution___AttributorObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_collector;
    PyObject *_tracker;
    PyObject *_attributor;
    PyObject *_on_lifetime;
    PyObject *_live;
    PyObject *_dead;
    PyObject *_buffers;
    PyObject *_pool;
    char _teardown;
    CPyTagged _max_records;
    PyObject *_records;
    CPyTagged _records_dropped;
    CPyTagged __op;
    CPyTagged __host;
    CPyTagged __bytes;
    CPyTagged __req_line;
    CPyTagged __alloc_pages;
    CPyTagged __alloc_attributes;
    CPyTagged __alloc_line;
    PyObject *__slot;
    CPyTagged _maps;
    CPyTagged _unmaps;
    CPyTagged _legacy_maps;
    CPyTagged _pool_maps;
    CPyTagged _allocations;
    CPyTagged _frees;
    CPyTagged _live_at_ebs;
    PyObject *_ebs_line;
} app___analysis___simulator___iommu___IoMmuModelObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *__starts;
    PyObject *__iv;
    PyObject *__ends;
    PyObject *_counts;
} app___analysis___simulator___pagemap___PageMapObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    uint32_t mypyc_running;
    PyObject *___mypyc_generator_frame_attribute__self;
    int32_t ___mypyc_next_label__;
    PyObject *___mypyc_generator_frame_attribute__iv;
    PyObject *___mypyc_temp__2_app___analysis___simulator___pagemap___ranges_PageMap_gen_0;
} app___analysis___simulator___pagemap___ranges_PageMap_genObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _index;
    CPyTagged _shift;
    CPyTagged _slots;
    CPyTagged _data_size;
} app___analysis___simulator___pool___PoolRangeObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _bit;
    PyObject *_range;
    CPyTagged _header;
    CPyTagged _data;
    CPyTagged _data_end;
} app___analysis___simulator___pool___PoolSlotObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _base;
    PyObject *_slots;
    PyObject *_by_data;
    CPyTagged _bitmap;
    PyObject *_owners;
    CPyTagged _taken;
    CPyTagged _peak_used;
    CPyTagged _fallbacks;
    char _released;
} app___analysis___simulator___pool___PoolModelObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _mapping;
    CPyTagged _op;
    CPyTagged _host;
    CPyTagged _nbytes;
    CPyTagged _pages;
    CPyTagged _device_address;
    CPyTagged _bits;
    CPyTagged _request_line;
    CPyTagged _line;
    PyObject *_time;
    PyObject *_stats;
    PyObject *_buffer;
} app___analysis___simulator___records___MappingObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _host;
    CPyTagged _pages;
    CPyTagged _stash;
    CPyTagged _bits;
    CPyTagged _line;
    PyObject *_stats;
    CPyTagged _mapped;
} app___analysis___simulator___records___BufferObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_devices;
    PyObject *_timeline;
    PyObject *_address_space;
    PyObject *_mappings;
    PyObject *_summary;
} app___analysis___simulator___replay___SimulationResultObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_collector;
    PyObject *_tracker;
    PyObject *_attributor;
    PyObject *_iommu;
    PyObject *_space;
    PyObject *_long_lived;
    CPyTagged _max_long;
    CPyTagged _long_dropped;
    PyObject *_sampled;
    PyObject *_flags;
    PyObject *_ebs_line;
    char __watch;
    char __strong_ebs;
    PyObject *__last_encdec;
    CPyTagged _pte_updates;
    CPyTagged _page_splits;
    CPyTagged _accept_messages;
    CPyTagged _set_attributes;
    PyObject *__handlers;
} app___analysis___simulator___replay___SimulatorObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
} app___analysis___simulator___result___build_devices_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___simulator___result_____mypyc_lambda__0_build_devices_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *___mypyc_self__;
    PyObject *_item;
} app___analysis___simulator___result___build_timeline_envObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    vectorcallfunc vectorcall;
    PyObject *___mypyc_env__;
} app___analysis___simulator___result___item_build_timeline_objObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_label;
    PyObject *_method;
    PyObject *_evidence_line;
    PyObject *_maps;
    CPyTagged _unmaps;
    CPyTagged _bytes;
    CPyTagged _pages;
    CPyTagged _bounce_bytes;
    CPyTagged _transitions;
    CPyTagged _transition_pages;
    CPyTagged _shared_pages;
    CPyTagged _peak_shared_pages;
    CPyTagged _page_lines;
    double _page_seconds;
    CPyTagged _last_line;
    PyObject *_last_time;
    PyObject *_merged_into;
    PyObject *_first_line;
    CPyTagged _pool_maps;
    CPyTagged _legacy_maps;
    CPyTagged _live_at_ebs;
    PyObject *_methods;
} app___analysis___simulator___stats___DeviceStatsObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _max_points;
    CPyTagged _width;
    PyObject *_buckets;
    CPyTagged __key;
} app___analysis___simulator___timeline___DownsamplerObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _max_buckets;
    CPyTagged _width;
    PyObject *_buckets;
    CPyTagged _key;
} app___analysis___simulator___timeline___BucketCounterObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _cap;
    CPyTagged _stride;
    PyObject *_items;
    CPyTagged _seen;
} app___analysis___simulator___timeline___DecimatorObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _start;
    CPyTagged _end;
    char _to_shared;
    PyObject *_owner;
    CPyTagged _line;
    CPyTagged _matched;
    char _sticky;
    PyObject *_what;
    PyObject *_lines;
} app___analysis___simulator___transitions___ExpectationObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *_collector;
    PyObject *_pages;
    PyObject *_mmio;
    char _enc_logged;
    PyObject *_expectations;
    PyObject *_orphans;
    PyObject *_series;
    PyObject *_buckets;
    CPyTagged _keep_transitions;
    PyObject *_first;
    CPyTagged _to_shared;
    CPyTagged _implied;
    CPyTagged _peak_shared;
    CPyTagged _peak_line;
    PyObject *_by_module;
    PyObject *_shared_by;
} app___analysis___simulator___transitions___TransitionTrackerObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    CPyTagged _raw_bytes;
    CPyTagged _bytes;
    PyObject *_sha256;
    char _compressed;
} app___analysis___source___SourceStatsObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    PyObject *__stream;
    PyObject *__hash;
    PyObject *__stats;
} app___analysis___source____HashingReaderObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    uint32_t mypyc_running;
    PyObject *___mypyc_generator_frame_attribute__stream;
    PyObject *___mypyc_generator_frame_attribute__stats;
    PyObject *___mypyc_generator_frame_attribute__progress;
    CPyTagged ___mypyc_generator_frame_attribute__block_size;
    int32_t ___mypyc_next_label__;
    PyObject *___mypyc_generator_frame_attribute__reader;
    PyObject *___mypyc_generator_frame_attribute__carry;
    CPyTagged ___mypyc_generator_frame_attribute__cut;
    PyObject *___mypyc_temp__2_app___analysis___source___iter_blocks_gen_0;
} app___analysis___source___iter_blocks_genObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    uint32_t mypyc_running;
    PyObject *___mypyc_generator_frame_attribute__reader;
    PyObject *___mypyc_generator_frame_attribute__head;
    CPyTagged ___mypyc_generator_frame_attribute__block_size;
    int32_t ___mypyc_next_label__;
} app___analysis___source____plain_genObject;

typedef struct {
    PyObject_HEAD
    CPyVTableItem *vtable;
    uint32_t mypyc_running;
    PyObject *___mypyc_generator_frame_attribute__reader;
    PyObject *___mypyc_generator_frame_attribute__head;
    int32_t ___mypyc_next_label__;
    PyObject *___mypyc_generator_frame_attribute__decompressor;
    char ___mypyc_generator_frame_attribute__started;
} app___analysis___source____gunzip_genObject;

#endif
