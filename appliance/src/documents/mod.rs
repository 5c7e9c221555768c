//! Documents the appliance writes for people: Markdown, HTML and PDF (being written).
