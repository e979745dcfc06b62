package io.conceptrank.model.io;

import ai.djl.ndarray.types.DataType;

/** The safetensors dtypes ConceptRank reads, with their DJL counterparts. */
public enum Dtype {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType dataType;

    Dtype(int bytes, DataType dataType) {
        this.bytes = bytes;
        this.dataType = dataType;
    }

    public int bytes() {
        return bytes;
    }

    public DataType dataType() {
        return dataType;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The safetensors name of a DJL data type; fails for types safetensors files here never hold. */
    public static Dtype of(DataType dataType) {
        for (Dtype d : values()) {
            if (d.dataType == dataType) {
                return d;
            }
        }
        throw new IllegalArgumentException("no safetensors dtype for " + dataType);
    }
}
