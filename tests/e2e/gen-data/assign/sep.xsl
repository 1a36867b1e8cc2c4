<?xml version="1.0" encoding="UTF-8"?>
<!-- sep.xsl: joins the a's of <args> with the parameter sep, and says
     how many there were (parameter n, a number). -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:c="urn:gd:calc">
    <xsl:param name="sep" select="','"/>
    <xsl:param name="n"/>
    <xsl:template match="/c:args">
        <c:r><xsl:for-each select="c:a"><xsl:if test="position() &gt; 1"><xsl:value-of select="$sep"/></xsl:if><xsl:value-of select="."/></xsl:for-each>/<xsl:value-of select="$n"/></c:r>
    </xsl:template>
</xsl:stylesheet>
