const BYTE_UNITS = ["KB", "MB", "GB", "TB", "PB"];

/** Decimal units, as file and download sizes are shown everywhere in the product: 22226455757 → "22.2 GB". */
export function formatBytes(bytes: number): string {
    if (!Number.isFinite(bytes) || bytes < 0) return "unknown size";
    if (bytes < 999.5) return `${Math.round(bytes)} B`;
    let value = bytes / 1000;
    let unit = 0;
    // Move up a unit where the rounded figure would read 1000.
    while (value >= 999.5 && unit < BYTE_UNITS.length - 1) {
        value /= 1000;
        unit++;
    }
    return `${value >= 99.95 ? Math.round(value) : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}
