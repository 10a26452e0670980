'use strict';

/**
 * The named input fields the user filled in. Zapier sends an unmapped field as absent or as an
 * empty string; the API reads an empty string as a value (and refuses most), so those are left
 * out, as is an empty Metadata dictionary.
 */
const given = (inputData, keys) => {
  const body = {};
  for (const key of keys) {
    const value = inputData[key];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) continue;
    body[key] = value;
  }
  return body;
};

module.exports = { given };
