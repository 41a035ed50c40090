//! Loading many rows at PostgreSQL's own rate: `COPY … FROM STDIN (FORMAT binary)`, the rows
//! encoded as they are sent, a chunk at a time, so a million findings are never held twice.
//!
//! The binary format (PostgreSQL's "COPY" reference page): a signature, flags and a header
//! extension length; per row the number of fields, then each field as its length (-1 for
//! null) and its value in the type's binary form; a trailer of -1.

use sqlx::PgConnection;
use sqlx::postgres::PgCopyIn;

use crate::Result;

/// Bytes encoded before they are sent.
const CHUNK: usize = 1 << 20;
/// The binary format's signature, flags (no OIDs) and header extension length (none).
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// `text`'s type OID, which a binary array names for its elements.
const TEXT_OID: i32 = 25;

/// Rows being copied into one table: [`Self::row`] starts each, one typed call per column
/// writes its fields, in the `COPY` statement's column order.
pub(crate) struct BinaryCopy<'c> {
    copy: PgCopyIn<&'c mut PgConnection>,
    buffer: Vec<u8>,
    columns: i16,
    rows: u64,
}

impl<'c> BinaryCopy<'c> {
    /// Starts `copy <table> (<columns>) from stdin (format binary)`; `columns` is their number.
    pub async fn start(conn: &'c mut PgConnection, table_and_columns: &str, columns: i16) -> Result<Self> {
        let statement = format!("copy {table_and_columns} from stdin (format binary)");
        let copy = conn.copy_in_raw(&statement).await?;
        let mut buffer = Vec::with_capacity(CHUNK + CHUNK / 4);
        buffer.extend_from_slice(HEADER);
        Ok(BinaryCopy { copy, buffer, columns, rows: 0 })
    }

    /// Starts the next row, sending what is encoded once a chunk is full.
    pub async fn row(&mut self) -> Result<&mut Self> {
        if self.buffer.len() >= CHUNK {
            self.copy.send(std::mem::take(&mut self.buffer)).await?;
            self.buffer.reserve(CHUNK + CHUNK / 4);
        }
        self.buffer.extend_from_slice(&self.columns.to_be_bytes());
        self.rows += 1;
        Ok(self)
    }

    /// A `text` field.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.field(value.as_bytes());
        self
    }

    /// A nullable `text` field.
    pub fn optional_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    /// A one-dimensional `text[]` field without nulls.
    pub fn text_array<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        let mut array = Vec::with_capacity(20 + items.iter().map(|s| 4 + s.as_ref().len()).sum::<usize>());
        let dimensions: i32 = if items.is_empty() { 0 } else { 1 };
        array.extend_from_slice(&dimensions.to_be_bytes());
        array.extend_from_slice(&0i32.to_be_bytes()); // no nulls
        array.extend_from_slice(&TEXT_OID.to_be_bytes());
        if !items.is_empty() {
            array.extend_from_slice(&length(items.len()).to_be_bytes());
            array.extend_from_slice(&1i32.to_be_bytes()); // lower bound
        }
        for item in items {
            let bytes = item.as_ref().as_bytes();
            array.extend_from_slice(&length(bytes.len()).to_be_bytes());
            array.extend_from_slice(bytes);
        }
        self.field(&array);
        self
    }

    /// A `double precision` field.
    pub fn float8(&mut self, value: f64) -> &mut Self {
        self.field(&value.to_bits().to_be_bytes());
        self
    }

    /// A `bigint` field.
    pub fn int8(&mut self, value: i64) -> &mut Self {
        self.field(&value.to_be_bytes());
        self
    }

    /// A nullable `bigint` field.
    pub fn optional_int8(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.int8(value),
            None => self.null(),
        }
    }

    /// A `timestamptz` field: microseconds since 2000-01-01 00:00 UTC.
    pub fn timestamptz(&mut self, at: chrono::DateTime<chrono::Utc>) -> &mut Self {
        const POSTGRES_EPOCH_US: i64 = 946_684_800_000_000;
        self.int8(at.timestamp_micros() - POSTGRES_EPOCH_US)
    }

    /// Sends the rest and the trailer; returns the rows copied.
    pub async fn finish(mut self) -> Result<u64> {
        self.buffer.extend_from_slice(&(-1i16).to_be_bytes());
        self.copy.send(std::mem::take(&mut self.buffer)).await?;
        let copied = self.copy.finish().await?;
        debug_assert_eq!(copied, self.rows);
        Ok(copied)
    }

    fn null(&mut self) -> &mut Self {
        self.buffer.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    fn field(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(&length(bytes.len()).to_be_bytes());
        self.buffer.extend_from_slice(bytes);
    }
}

/// A length as the format writes it; a field of 2 GiB or more cannot be copied at all, and
/// PostgreSQL refuses a field over 1 GB before this could overflow.
fn length(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(i32::MAX)
}
