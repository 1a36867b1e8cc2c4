<?xml version="1.0" encoding="UTF-8"?>
<!-- double.xsl: <a>N</a> becomes <r>2N</r> (bpel:doXslTransform). -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:d="urn:bpelc:e2e:data">
    <xsl:template match="/d:a">
        <d:r><xsl:value-of select=". * 2"/></d:r>
    </xsl:template>
</xsl:stylesheet>
